// In namespace B: accept a client on :5001 (from another namespace), relay it through the sockmap
// to a local server on 127.0.0.1:5002, and check what the server receives: byte i == i % 251.
#include "core/sockmap.h"
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
#include <vector>
#include <thread>
using namespace weir::core::detail;
static int listenOn(uint32_t addr,int port){int s=socket(AF_INET,SOCK_STREAM,0);int one=1;setsockopt(s,SOL_SOCKET,SO_REUSEADDR,&one,4);sockaddr_in a{};a.sin_family=AF_INET;a.sin_port=htons(port);a.sin_addr.s_addr=htonl(addr);bind(s,(sockaddr*)&a,sizeof a);listen(s,16);return s;}
int main(int argc,char**argv){
  bool useSockmap=atoi(argv[1]);
  std::string why; auto m=Sockmap::open(&why); if(!m){puts(why.c_str());return 1;}
  int lp=listenOn(0,5001), ls=listenOn(0x7f000001,5002);
  puts("ready"); fflush(stdout);
  int p1=accept(lp,0,0);
  int p2=socket(AF_INET,SOCK_STREAM,0); sockaddr_in a{};a.sin_family=AF_INET;a.sin_port=htons(5002);a.sin_addr.s_addr=htonl(0x7f000001); connect(p2,(sockaddr*)&a,sizeof a);
  int server=accept(ls,0,0);
  std::unique_ptr<SockmapPair> pair; bool broken;
  if(useSockmap){ pair=m->link(p1,p2,&broken,&why); if(!pair){puts(why.c_str());return 1;} }
  else { std::thread([&]{char b[65536];for(;;){ssize_t n=read(p1,b,sizeof b);if(n<=0)break;for(ssize_t o=0;o<n;){ssize_t w=write(p2,b+o,n-o);if(w<=0)return;o+=w;}} shutdown(p2,SHUT_WR);}).detach(); }
  std::thread back([&]{std::vector<unsigned char> pat(251*4096); for(size_t i=0;i<pat.size();++i) pat[i]=i%251; size_t n=0; while(n < (256u<<20)){ if(write(server,pat.data(),pat.size())!=(ssize_t)pat.size()) break; n+=pat.size(); } shutdown(server,SHUT_WR);});
  size_t total=0, firstBad=SIZE_MAX; unsigned char b[65536];
  for(;;){pollfd p{server,POLLIN,0}; if(poll(&p,1,3000)<=0)break; ssize_t n=read(server,b,sizeof b); if(n<=0)break; for(ssize_t i=0;i<n;++i) if(firstBad==SIZE_MAX && b[i]!=(total+i)%251) firstBad=total+i; total+=n;}
  back.join();
  printf("%s received %zu first bad byte %s%zd\n", useSockmap?"sockmap":"user-copy", total, firstBad==SIZE_MAX?"none ":"at ", firstBad==SIZE_MAX?-1:(ssize_t)firstBad);
}
