"""Reading archives nobody vouches for: what format an upload is, and unpacking it with every
size, count, name and header bounded (used by the registry for uploads and by ``publish
--archive`` for a prebuilt archive, so both refuse the same bombs the same way)."""
