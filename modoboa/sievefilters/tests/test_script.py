"""Scripts cut into parts: rules read back, hand-written text kept byte
for byte, injection attempts quoted.
"""

import pytest

from modoboa.sievefilters import rules
from modoboa.sievefilters.imap import decode_mutf7, encode_mutf7
from modoboa.sievefilters.lexer import SieveSyntaxError, statements, tokenize
from modoboa.sievefilters.rules import Action, Condition, Rule
from modoboa.sievefilters.script import Script

HAND = (
    'require ["fileinto", "envelope"];\r\n'
    "# my own stuff\r\n"
    'if envelope :is "from" "x@y" { discard; }   # trailing\r\n'
    "/* block\r\ncomment */\r\n"
    'if header :contains "subject" text:\r\nmulti\r\n..dot\r\n.\r\n{ keep; }\r\n'
)


def every_rule():
    return Rule(
        'Spam "quoted" été',
        "any",
        [
            Condition("Subject", "contains", 'a"b\\c'),
            Condition("From", "is", "x.org", "domain"),
            Condition("To", "notmatches", "*@y", "localpart"),
            Condition("List-Id", "notis", "news"),
            Condition("X-Spam", "contains", "yes"),
            Condition("size", "over", "10K"),
            Condition("body", "notcontains", "zz"),
        ],
        [
            Action("fileinto", "Dossiers/été", copy=True),
            Action("redirect", "b@c.test"),
            Action("redirect", "d@c.test", copy=True),
            Action("reject", 'No "thanks"\nBye'),
            Action("flag"),
            Action("discard"),
            Action("keep"),
            Action("stop"),
        ],
    )


def test_hand_written_script_is_kept_byte_for_byte():
    script = Script.parse(HAND)
    assert [part.kind for part in script.parts] == ["text"]
    assert script.render() == HAND
    assert script.has_other_commands()
    assert not Script.parse("# Empty script\n\n/* nothing */\n").has_other_commands()


def test_every_rule_round_trips():
    script = Script.parse(HAND)
    rule = every_rule()
    script.set_rule(None, rule)
    script.set_rule(None, Rule("Off", "always", [], [Action("discard")], enabled=False))
    text = script.render()
    again = Script.parse(text)
    assert again.rules() == [rule, Rule("Off", "always", [], [Action("discard")], enabled=False)]
    assert again.render() == text
    assert HAND in text
    assert text.startswith(
        '# Modoboa: extensions\nrequire ["body", "copy", "fileinto", "imap4flags", "reject"];\n'
    )


def test_editing_one_rule_changes_only_its_lines():
    script = Script.parse(HAND)
    script.set_rule(None, Rule("A", "all", [Condition("Subject", "is", "a")], [Action("stop")]))
    script.set_rule(None, Rule("B", "all", [Condition("Subject", "is", "b")], [Action("stop")]))
    text = Script.parse(script.render())
    text.set_rule(0, Rule("A", "all", [Condition("Subject", "is", "changed")], [Action("stop")]))
    result = text.render()
    assert HAND in result
    assert '"changed"' in result and '"b"' in result
    text.move_rule(1, -1)
    assert [rule.name for rule in Script.parse(text.render()).rules()] == ["B", "A"]
    text.delete_rule(0)
    text.delete_rule(0)
    assert text.render() == HAND


def test_injection_through_values_stays_inside_the_string():
    hostile = '"; discard; } if true { discard; #'
    script = Script()
    script.set_rule(
        None, Rule("x", "all", [Condition("Subject", "is", hostile)], [Action("keep")])
    )
    commands = statements(tokenize(script.render()))
    assert [command.name for command in commands] == ["if"]
    assert Script.parse(script.render()).rules()[0].conditions[0].value == hostile


@pytest.mark.parametrize(
    "rule",
    [
        Rule("", "all", [Condition("Subject", "is", "a")], [Action("stop")]),
        Rule("a\nb", "all", [Condition("Subject", "is", "a")], [Action("stop")]),
        Rule("a", "all", [], [Action("stop")]),
        Rule("a", "all", [Condition("Subject", "is", "a")], []),
        Rule("a", "all", [Condition("Subject", "is", "a\nb")], [Action("stop")]),
        Rule("a", "all", [Condition("Bad Header:", "is", "a")], [Action("stop")]),
        Rule("a", "all", [Condition("size", "over", "big")], [Action("stop")]),
        Rule("a", "always", [], [Action("redirect", "not an address")]),
        Rule("a", "always", [], [Action("fileinto", "")]),
    ],
)
def test_bad_rules_are_refused(rule):
    with pytest.raises(rules.RuleError):
        rules.render(rule)


def test_unreadable_rules_stay_text():
    text = (
        "# Filter: by hand\n"
        'if header :contains ["subject", "from"] "x" { discard; }\n'
        "# Filter: elsif\n"
        "if true { keep; } elsif false { discard; }\n"
    )
    script = Script.parse(text)
    assert script.rules() == []
    assert script.render() == text


def test_a_broken_script_is_unreadable_but_kept():
    script = Script.parse('if header :is "a" "unterminated { keep; }\n')
    assert not script.readable
    with pytest.raises(SieveSyntaxError):
        tokenize('"open')


def test_away_part_goes_after_the_requires_and_is_replaced():
    script = Script.parse(HAND)
    script.set_away('if true {\n    vacation "x";\n}\n')
    text = script.render()
    assert text.index("# Modoboa: away message") > text.index('require ["fileinto", "envelope"]')
    assert text.index("# Modoboa: away message") < text.index("# my own stuff")
    again = Script.parse(text)
    assert again.away_text().startswith("# Modoboa: away message")
    again.set_away(None)
    assert again.render() == HAND


@pytest.mark.parametrize("name", ["INBOX", "Factures été", "日本語", "a&b", "Sent Items"])
def test_modified_utf7_round_trips(name):
    assert decode_mutf7(encode_mutf7(name)) == name


def test_modified_utf7_known_values():
    assert encode_mutf7("été") == "&AOk-t&AOk-"
    assert decode_mutf7("&ZeVnLIqe-") == "日本語"
    assert encode_mutf7("a&b") == "a&-b"
