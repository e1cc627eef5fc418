#ifndef LONGWEAVE_CZSTD_SHIM_H
#define LONGWEAVE_CZSTD_SHIM_H
#include <zstd.h>
#endif
