"""Face detection (bounding boxes, scores, five landmarks)."""
