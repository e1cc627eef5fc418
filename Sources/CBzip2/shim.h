#ifndef LONGWEAVE_CBZIP2_SHIM_H
#define LONGWEAVE_CBZIP2_SHIM_H
#include <bzlib.h>
#endif
