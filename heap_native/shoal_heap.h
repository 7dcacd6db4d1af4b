int shoal_heap_version(void);
