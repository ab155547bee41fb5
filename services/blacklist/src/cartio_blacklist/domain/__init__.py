"""Pure logic of the blacklist: rules, their validation, and the matcher. No I/O."""
