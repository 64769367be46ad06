#include <stdio.h>
#include "kenchi/kenchi.h"
int main(void) { printf("kenchi %s\n", kn_version()); return 0; }
