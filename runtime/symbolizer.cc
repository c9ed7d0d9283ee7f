#include "runtime/stack_trace.h"
