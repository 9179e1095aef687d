"""The DPO's annual report."""
