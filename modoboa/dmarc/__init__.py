"""DMARC aggregate reports (1.10's modoboa-dmarc): import the reports that
receivers send to a domain's RUA address and show, per domain, who sends
mail in its name and whether it passes SPF and DKIM.
"""
