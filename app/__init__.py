"""An argument-mapping web application: who holds which position, argued where."""
