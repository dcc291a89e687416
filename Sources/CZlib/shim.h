// zlib (Debian: zlib1g-dev), for its crc32 in KaoheExport.
#include <zlib.h>
