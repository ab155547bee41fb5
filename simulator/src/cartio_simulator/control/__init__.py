"""The simulator's control API (`/_sim/...`): how tests and people drive the simulated store and shoppers."""
