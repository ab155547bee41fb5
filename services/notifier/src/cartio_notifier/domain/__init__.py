"""Pure logic of the notifier: rendering, money, recipients, rate limits, delivery outcomes."""
