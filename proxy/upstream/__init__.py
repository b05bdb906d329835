"""Where objects live: one interface (`base.Upstream`), one module per backend."""
