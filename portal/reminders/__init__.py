"""Due-date reminder e-mails: the admin's schedule, who gets which reminder today, and sending
them through SMTP with each send recorded once. No Streamlit here."""
