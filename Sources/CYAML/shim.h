// libyaml, the reference YAML parser in C (Debian: libyaml-dev), read event by event.
#include <yaml.h>
