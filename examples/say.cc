#include <cstdio>
#include <string>

#include "examples/scenario.h"

namespace examples {

void Say(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace examples
