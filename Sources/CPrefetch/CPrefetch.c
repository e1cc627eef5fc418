// The target is its header; SwiftPM needs one source file to build it.
#include "CPrefetch.h"
