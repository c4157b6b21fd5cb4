import time, torch, torch.nn as nn
torch.set_num_threads(2)
N=128
spec=[("stem",3,64,3,1,32,False),("s1c",64,64,3,1,32,True),("s2c1",64,128,3,2,32,True),("s2sc",64,128,1,2,32,True),
      ("s2c2",128,128,3,1,16,True),("s3c1",128,256,3,2,16,True),("s3sc",128,256,1,2,16,True),("s3c2",256,256,3,1,8,True),
      ("s4c1",256,512,3,2,8,True),("s4sc",256,512,1,2,8,True),("s4c2",512,512,3,1,4,True)]
def med(f,k=7):
    for _ in range(2): f()
    ts=[]
    for _ in range(k):
        t=time.perf_counter(); f(); ts.append(time.perf_counter()-t)
    ts.sort(); return 1000*ts[k//2]
for name,ci,co,k,s,hw,rg in spec:
    conv=nn.Conv2d(ci,co,k,s,k//2,bias=False)
    x=torch.randn(N,ci,hw,hw,requires_grad=rg); y=conv(x); g=torch.randn_like(y)
    f=med(lambda: conv(x))
    def fb(): conv(x).backward(g)
    print(f"{name:5s} [{N},{ci},{hw},{hw}] k{k} s{s} -> {co}: fwd {f:6.1f} bwd {med(fb)-f:6.1f}", flush=True)
