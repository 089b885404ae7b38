"""Small apps that mount Omotenashi, one per framework; tests/examples runs each of them."""
