/* SPDX-License-Identifier: GPL-2.0 */
/* ktest race: see race.c. */
#ifndef KTEST_RACE_H
#define KTEST_RACE_H

int race(int seconds);

#endif
