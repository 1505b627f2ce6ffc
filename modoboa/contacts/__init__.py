"""Address books kept in Radicale over CardDAV (1.10's modoboa-contacts)."""
