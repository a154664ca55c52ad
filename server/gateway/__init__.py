"""groupcast gateway sessions: login, frames, fan-out writes."""
