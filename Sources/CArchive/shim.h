// libarchive, the reference reader of tar, zip, bzip2 and zstd (Debian: libarchive-dev).
#include <archive.h>
#include <archive_entry.h>
