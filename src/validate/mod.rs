//! Validate: the rule catalogue. Each rule has a stable code, a message, the YAML location
//! and a hint. Returns every diagnostic of a run; never prints.
