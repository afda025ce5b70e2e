"""A tiny shop: pricing done in worker processes, receipts printed by a subprocess."""
