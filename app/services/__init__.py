"""Domain logic: each public function is one unit of work and knows nothing of HTTP."""
