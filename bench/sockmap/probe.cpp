// Probe of the kernel's sockmap redirect on loopback (no relay, no firewall): ordering across the
// link, EOF, byte counts, and what a receiver that does not read does to memory. Run as root in a
// fresh network namespace:
//   g++ -std=c++20 -O1 -Ihelper bench/sockmap/probe.cpp helper/core/sockmap.cpp -o /tmp/probe -lpthread
//   unshare -n sh -c 'ip link set lo up; /tmp/probe'
// Expected on 6.18: every check passes, and the 512 MiB reach the proxy's kernel within 1.5 s while
// the server reads nothing (MemAvailable drops by about that much): no backpressure.
#include "core/sockmap.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>
using namespace weir::core::detail;
static int listenOn(int port){int s=socket(AF_INET,SOCK_STREAM,0);int one=1;setsockopt(s,SOL_SOCKET,SO_REUSEADDR,&one,4);sockaddr_in a{};a.sin_family=AF_INET;a.sin_port=htons(port);a.sin_addr.s_addr=htonl(0x7f000001);if(bind(s,(sockaddr*)&a,sizeof a)){perror("bind");exit(1);}listen(s,16);return s;}
static int connectTo(int port){int s=socket(AF_INET,SOCK_STREAM,0);sockaddr_in a{};a.sin_family=AF_INET;a.sin_port=htons(port);a.sin_addr.s_addr=htonl(0x7f000001);if(connect(s,(sockaddr*)&a,sizeof a)){perror("connect");exit(1);}return s;}
static std::string rd(int fd, size_t want, int ms=2000){std::string out;char b[65536];while(out.size()<want){pollfd p{fd,POLLIN,0};if(poll(&p,1,ms)<=0)break;ssize_t n=read(fd,b,sizeof b);if(n<=0)break;out.append(b,n);}return out;}
int main(){
  std::string why;
  auto m=Sockmap::open(&why); if(!m){printf("unavailable: %s\n",why.c_str());return 1;}
  int lp=listenOn(5001), ls=listenOn(5002);
  int client=connectTo(5001); int p1=accept(lp,0,0);
  int p2=connectTo(5002); int server=accept(ls,0,0);
  // pre-link traffic through user space
  write(client,"pre",3); char b[16]; read(p1,b,3); write(p2,b,3); printf("server got pre: %s\n",rd(server,3).c_str());
  write(client,"queued-before-link",18); usleep(50000);
  bool broken=false; auto pair=m->link(p1,p2,&broken,&why);
  if(!pair){printf("link failed broken=%d: %s\n",broken,why.c_str());return 1;}
  printf("server got (queued before link): '%s'\n",rd(server,18,1000).c_str());
  write(server,"answer",6); printf("client got: '%s'\n",rd(client,6).c_str());
  // bulk 64 MiB client->server with slow start at server
  std::vector<char> big(512<<20); for(size_t i=0;i<big.size();++i) big[i]=char(i*7+i/65536);
  std::thread w([&]{size_t off=0;while(off<big.size()){ssize_t n=write(client,big.data()+off,big.size()-off);if(n<=0){perror("write");break;}off+=n;} shutdown(client,SHUT_WR);});
  usleep(1500000); system("cat /proc/net/sockstat | grep TCP");
  system("ss -tmna | grep -A1 :500; grep -E \"MemAvail|^Slab\" /proc/meminfo");
  std::string got=rd(server,big.size(),3000); w.join();
  printf("bulk: got %zu equal=%d\n",got.size(), got.size()==big.size() && memcmp(got.data(),big.data(),big.size())==0);
  pollfd p{p1,POLLRDHUP,0}; int r=poll(&p,1,1000); printf("p1 poll=%d rev=%x\n",r,p.revents);
  printf("carried up=%llu down=%llu drained=%d\n",(unsigned long long)pair->carried(SockmapPair::ToUpstream),(unsigned long long)pair->carried(SockmapPair::ToClient),pair->drained(SockmapPair::ToUpstream));
  shutdown(p2,SHUT_WR); printf("server eof read: %zd\n", read(server,b,1));
  write(server,"tail",4); shutdown(server,SHUT_WR); printf("client got tail: '%s'\n",rd(client,4).c_str());
  p={p2,POLLRDHUP,0}; r=poll(&p,1,1000); printf("p2 poll=%d rev=%x drained=%d carried down=%llu idle=%lld\n",r,p.revents,pair->drained(SockmapPair::ToClient),(unsigned long long)pair->carried(SockmapPair::ToClient),(long long)pair->idleFor().count());
  return 0;}
