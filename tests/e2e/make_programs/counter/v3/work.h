#ifndef COUNTER_WORK_H
#define COUNTER_WORK_H
/* release 3: the factor is a parameter (0: the default, 3) */
int work(int n, int scale);
long served(void);
/* release 3: says how many requests it forgot */
long reset(void);
#endif
