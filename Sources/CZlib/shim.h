#ifndef LONGWEAVE_CZLIB_SHIM_H
#define LONGWEAVE_CZLIB_SHIM_H
#include <zlib.h>
#endif
