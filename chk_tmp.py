import sys, time
from derive import registry
from derive.checking import check_steps
names=[n for n in registry.names() if any(f in n for f in sys.argv[1].split(','))]
for n in names:
    t=time.time()
    try:
        r=check_steps(registry.get(n)); st='ok'
    except Exception as e:
        st='FAIL '+str(e)[:300]
    print(f"{n:45s} {time.time()-t:6.1f}s {st}", flush=True)
