"""Forms of the admin console pages (domains, identities, import/export)."""
