"""Model definitions for the zoo, one function per architecture returning a :class:`~workloads.network.Network`."""
