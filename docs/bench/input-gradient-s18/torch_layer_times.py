import time, torch, torch.nn as nn
torch.set_num_threads(2)
torch.manual_seed(0)
N=512
spec=[(1,32,1,28),(32,64,2,28),(64,64,1,14),(64,128,2,14)]
def med(f, k=10):
    for _ in range(3): f()
    ts=[]
    for _ in range(k):
        t=time.perf_counter(); f(); ts.append(time.perf_counter()-t)
    ts.sort(); return 1000*ts[k//2]
tot={}
for i,(ci,co,s,hw) in enumerate(spec,1):
    conv=nn.Conv2d(ci,co,3,s,1,bias=False)
    x=torch.randn(N,ci,hw,hw, requires_grad=(i>1))
    y=conv(x); g=torch.randn_like(y)
    fwd=med(lambda: conv(x))
    def fb():
        out=conv(x); out.backward(g)
    bwd=med(fb)-fwd
    bn=nn.BatchNorm2d(co); bn.train()
    yb=torch.randn_like(y, requires_grad=True)
    bfwd=med(lambda: bn(yb))
    def bfb():
        o=bn(yb); o.backward(g)
    bbwd=med(bfb)-bfwd
    relu_in=torch.randn_like(y, requires_grad=True)
    print(f"conv{i} [{N},{ci},{hw},{hw}] fwd {fwd:6.1f} bwd {bwd:6.1f} | bn{i} [{N},{co}] fwd {bfwd:6.1f} bwd {bbwd:6.1f}")
    for k,v in (("conv fwd",fwd),("conv bwd",bwd),("bn fwd",bfwd),("bn bwd",bbwd)): tot[k]=tot.get(k,0)+v
print({k: round(v,1) for k,v in tot.items()})
