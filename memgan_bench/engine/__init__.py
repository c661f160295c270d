"""Training engine: seeding, batching, the train loop, checkpoints and resume."""
