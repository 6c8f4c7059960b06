// Command pmssim runs the FIAS PMS simulator (testlab/pmssim) on real
// time: it listens for pbxagent (hotel.fias.addr pointing at it), prints
// every record each way, and sends each line read from standard input as
// a record body ("GI|RN101|G#1|GNRossi|"); DR is answered from the rooms
// checked in that way, PS with PA.
//
//	go run ./testlab/cmd/pmssim -listen 127.0.0.1:5010
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/pbxagent/pbxagent/testlab/pmssim"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5010", "host:port to listen on for pbxagent")
	flag.Parse()
	if err := run(*listen); err != nil {
		fmt.Fprintln(os.Stderr, "pmssim:", err)
		os.Exit(1)
	}
}

func run(listen string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sim, err := pmssim.Start(pmssim.ListenOn(listen), pmssim.OnRecord(func(in bool, body string) {
		dir := "->"
		if in {
			dir = "<-"
		}
		fmt.Println(dir, body)
	}))
	if err != nil {
		return err
	}
	defer sim.Close()
	fmt.Println("listening on", sim.Addr())
	lines := make(chan string)
	go func() { // ends with standard input; the process exits after it
		defer close(lines)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				<-ctx.Done()
				return nil
			}
			if err := send(sim, strings.TrimSpace(line)); err != nil {
				fmt.Fprintln(os.Stderr, "pmssim:", err)
			}
		}
	}
}

// send sends a body typed as "GI|RN101|GNRossi|", keeping the simulator's
// database for GI and GO.
func send(sim *pmssim.Sim, line string) error {
	parts := strings.Split(strings.TrimSuffix(line, "|"), "|")
	if len(parts[0]) != 2 {
		return fmt.Errorf("%q: want a record body, RT|IDvalue|…|", line)
	}
	var kv []string
	for _, p := range parts[1:] {
		if len(p) < 2 {
			return fmt.Errorf("%q: field %q: want a 2-character id and its value", line, p)
		}
		kv = append(kv, p[:2], p[2:])
	}
	f := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	switch parts[0] {
	case "GI":
		sim.SetOccupied(f["RN"], &pmssim.Guest{Name: f["GN"], FirstName: f["GF"], Language: f["GL"], Reservation: f["G#"]})
	case "GO":
		sim.SetOccupied(f["RN"], nil)
	}
	_, err := sim.Send(parts[0], kv...)
	return err
}
