// Command unixconnect connects to a unix socket, sends an HTTP request
// line and prints the first line of the answer. Tests build it statically
// and run it inside containers (busybox images have no unix socket
// client) to make a real connect() to a socket such as Docker's.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: unixconnect SOCKET")
		os.Exit(2)
	}
	c, err := net.DialTimeout("unix", os.Args[1], 5*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "unixconnect:", err)
		os.Exit(1)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c, "GET /_ping HTTP/1.0\r\n\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(line)
}
