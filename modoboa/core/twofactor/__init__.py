"""Two-factor login with TOTP applications and single-use recovery codes."""
