module example.com/app

go 1.26

replace github.com/cattle-dev/cattle => ../../..
