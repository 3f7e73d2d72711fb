"""User configuration of the kit: the config file and its named profiles."""
