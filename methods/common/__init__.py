"""Parts shared by the GAN methods (losses, networks, partitions, stacked networks): not methods."""
