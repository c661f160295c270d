"""The evaluation classifier (feature space and labels of the metrics) and its cache."""
