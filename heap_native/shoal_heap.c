#include "shoal_heap.h"
int shoal_heap_version(void) { return 1; }
