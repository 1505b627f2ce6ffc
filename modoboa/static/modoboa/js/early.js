/* Runs in <head>: tells the style sheet that scripts are available, so
   tabs and wizard steps can be collapsed without hiding anything from
   browsers that run no script. */
document.documentElement.classList.add("js");
