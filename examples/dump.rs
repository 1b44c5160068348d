fn main() {
    let t = tlsviz::sim::run(&tlsviz::sim::Options { seed: Some(1), ..Default::default() });
    for e in &t.events {
        let s = serde_json::to_string(&e.event).unwrap();
        println!("{:4} {:6} {:?} {}", e.index, e.side.name(), e.step, &s[..s.len().min(150)]);
    }
    println!("{:?}", t.outcome);
}
