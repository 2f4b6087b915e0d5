"""Plan targets as data tests: the target catalogue, the Great Expectations suite generated from
it, and the code that validates the indicator mart against it."""
