// SPDX-License-Identifier: MIT
/* Host test of the kuid driver object: calls its exported functions and checks the results. */
#include <stdio.h>
#include "kuid.h"

static int failures;
static int checks;

#define CHECK(expr) do { checks++; if (!(expr)) { failures++; fprintf(stderr, "FAILED: %s\n", #expr); } } while (0)

int main(void)
{
	/* uids 0..999 of this namespace are kernel uids 100000..100999; gids likewise 200000.. */
	struct user_namespace ns = { { 0, 100000, 1000 }, { 0, 200000, 1000 } };
	struct user_namespace init_ns = { { 0, 0, 0xffffffffu }, { 0, 0, 0xffffffffu } };

	CHECK(kuid_map_roundtrip(&ns, 5) == 5);
	CHECK(kuid_map_roundtrip(&ns, 1000) == 0xffffffffu);
	CHECK(kgid_map_roundtrip(&ns, 999) == 999);
	CHECK(kuid_same_user(&ns, 7, 7));
	CHECK(!kuid_same_user(&ns, 7, 8));
	CHECK(kuid_is_valid(&ns, 10));
	CHECK(!kuid_is_valid(&ns, 5000));
	CHECK(kuid_maps_to_root(&init_ns, 0));
	CHECK(!kuid_maps_to_root(&ns, 0));
	CHECK(kuid_refcount_cycle(10) == 1000);
	printf("kuid: %d of %d checks passed\n", checks - failures, checks);
	return failures ? 1 : 0;
}
