"""One package per platform, each behind the interface in kaiku.channels.base."""
