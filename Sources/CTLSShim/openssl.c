#include "CTLSShim.h"
