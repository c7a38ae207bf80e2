package train_test

import (
	"fmt"
	"strings"

	"github.com/privrec/privrec/model/train"
)

func ExampleReadCatalog() {
	csv := "SKU;Name;Price;Currency;Image URL;Link;Stock\n" +
		"mug-1;Red mug;12,50;eur;/img/mug-1.jpg;https://shop.example/p/mug-1;3\n" +
		"bowl-2;Blue bowl;;;;/p/bowl-2;out of stock\n"
	items, _, err := train.ReadCatalog(strings.NewReader(csv), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range items {
		price := "no price"
		if it.Price != nil {
			price = fmt.Sprintf("%.2f %s", *it.Price, it.Currency)
		}
		fmt.Printf("%s %q %s %s %s\n", it.ID, it.Title, price, it.URL, it.Availability)
	}
	_, _, err = train.ReadCatalog(strings.NewReader("id,link\nmug-1,javascript:alert(1)\n"), 0)
	fmt.Println(err)
	// Output:
	// mug-1 "Red mug" 12.50 EUR https://shop.example/p/mug-1 in_stock
	// bowl-2 "Blue bowl" no price /p/bowl-2 out_of_stock
	// read catalog: line 2, column "link": "javascript:alert(1)" has scheme "javascript"; only http, https or a relative path is allowed (the page puts it in img src and a href)
}
