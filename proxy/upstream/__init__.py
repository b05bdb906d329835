"""Where objects live: one interface (`interface.Upstream`), one module per backend."""
