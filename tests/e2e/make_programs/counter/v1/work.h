#ifndef COUNTER_WORK_H
#define COUNTER_WORK_H
int work(int n);
long served(void);
void reset(void);
#endif
