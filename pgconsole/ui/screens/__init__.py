"""Modal screens: confirmation, filter, sort, help, text viewer, VACUUM progress."""
