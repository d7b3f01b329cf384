// SPDX-License-Identifier: MIT
#include "kuid.h"

__rust_helper bool rust_helper_uid_is_root(kuid_t uid) { return uid_is_root(uid); }
